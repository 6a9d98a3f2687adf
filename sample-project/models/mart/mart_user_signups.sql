-- User accounts created per month, and the running total, from the first sign-up to the month of the latest load.
with latest_user as (
    select distinct on (s.user_hk)
        s.user_hk,
        s.created_at
    from {{ ref('sat_users') }} as s
    order by s.user_hk, s.load_date desc
),

months as (
    select generate_series(
        (select date_trunc('month', min(created_at)) from latest_user),
        (select date_trunc('month', max(load_date)) from {{ ref('sat_users') }}),
        interval '1 month'
    ) as month
),

monthly as (
    select
        m.month,
        count(u.user_hk) as users_created
    from months as m
    left join latest_user as u
        on date_trunc('month', u.created_at) = m.month
    group by m.month
)

select
    month::date as month,
    users_created,
    sum(users_created) over (order by month) as total_users
from monthly
order by month
