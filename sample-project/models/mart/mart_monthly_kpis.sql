-- The dashboard's headline figures per month: purchases, income (the price of purchased items), returns and items
-- added to the cart, each with the previous month's value and the change in percent. "This month" is the month
-- of the latest load; months without any activity are kept as zeros so that the previous month is always there.
with events as (
    select date_trunc('month', purchased_at) as month, 1 as purchases, price as income, 0 as returns, 0 as added_to_cart
    from {{ ref('mart_purchase_facts') }}
    where purchased_at is not null
    union all
    select date_trunc('month', returned_at), 0, 0, 1, 0
    from {{ ref('mart_purchase_facts') }}
    where returned_at is not null
    union all
    select date_trunc('month', added_to_cart_at), 0, 0, 0, 1
    from {{ ref('mart_purchase_facts') }}
    where added_to_cart_at is not null
),

current_month as (
    select date_trunc('month', max(load_date)) as month
    from {{ ref('sat_purchases') }}
),

months as (
    select generate_series(
        (select min(month) from events),
        (select month from current_month),
        interval '1 month'
    ) as month
),

monthly as (
    select
        m.month,
        count(*) filter (where e.purchases = 1) as purchases,
        coalesce(sum(e.income), 0) as income,
        count(*) filter (where e.returns = 1) as returns,
        count(*) filter (where e.added_to_cart = 1) as added_to_cart
    from months as m
    left join events as e
        on e.month = m.month
    group by m.month
),

with_previous as (
    select
        month,
        purchases,
        lag(purchases) over by_month as purchases_previous,
        income,
        lag(income) over by_month as income_previous,
        returns,
        lag(returns) over by_month as returns_previous,
        added_to_cart,
        lag(added_to_cart) over by_month as added_to_cart_previous
    from monthly
    window by_month as (order by month)
)

select
    month::date as month,
    purchases,
    purchases_previous,
    round(100.0 * (purchases - purchases_previous) / nullif(purchases_previous, 0), 1) as purchases_change_pct,
    income,
    income_previous,
    round(100.0 * (income - income_previous) / nullif(income_previous, 0), 1) as income_change_pct,
    returns,
    returns_previous,
    round(100.0 * (returns - returns_previous) / nullif(returns_previous, 0), 1) as returns_change_pct,
    added_to_cart,
    added_to_cart_previous,
    round(100.0 * (added_to_cart - added_to_cart_previous) / nullif(added_to_cart_previous, 0), 1) as added_to_cart_change_pct,
    month = (select month from current_month) as is_current_month
from with_previous
order by month
