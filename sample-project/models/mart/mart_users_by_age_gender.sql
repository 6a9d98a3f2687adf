-- Users by ten-year age band and gender (the latest satellite row of each user).
with latest_user as (
    select distinct on (s.user_hk)
        s.user_hk,
        s.age,
        s.gender
    from {{ ref('sat_users') }} as s
    order by s.user_hk, s.load_date desc
)

select
    (age / 10 * 10)::int as age_band_start,
    (age / 10 * 10)::text || '-' || (age / 10 * 10 + 9)::text as age_band,
    gender,
    count(*) as users
from latest_user
group by 1, 2, 3
order by 1, 3
