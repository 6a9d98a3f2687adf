-- Users by nationality and academic degree (the latest satellite row of each user).
with latest_user as (
    select distinct on (s.user_hk)
        s.user_hk,
        s.nationality,
        s.academic_degree
    from {{ ref('sat_users') }} as s
    order by s.user_hk, s.load_date desc
)

select
    nationality,
    academic_degree,
    count(*) as users,
    sum(count(*)) over (partition by nationality) as nationality_users
from latest_user
group by nationality, academic_degree
order by nationality_users desc, nationality, academic_degree
