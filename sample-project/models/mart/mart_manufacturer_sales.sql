-- Purchases and income per manufacturer and month, with each manufacturer's rank over all time (1 = most items
-- bought), so a chart can keep the top five.
with sales as (
    select
        date_trunc('month', purchased_at)::date as month,
        make,
        count(*) as purchases,
        sum(price) as income
    from {{ ref('mart_purchase_facts') }}
    where purchased_at is not null
    group by 1, 2
),

ranking as (
    select
        make,
        sum(purchases) as total_purchases,
        row_number() over (order by sum(purchases) desc, make) as make_rank
    from sales
    group by make
)

select
    s.month,
    s.make,
    s.purchases,
    s.income,
    r.total_purchases,
    r.make_rank
from sales as s
join ranking as r
    on r.make = s.make
order by s.month, r.make_rank
