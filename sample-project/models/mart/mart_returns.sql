-- Returns per month with the days between purchase and return. The total is kept beside the average so that
-- coarser periods (quarters, years) can be averaged correctly: sum(total_days_to_return) / sum(returns).
select
    date_trunc('month', returned_at)::date as month,
    extract(year from returned_at)::int as year,
    count(*) as returns,
    sum(days_to_return) as total_days_to_return,
    round(avg(days_to_return), 1) as avg_days_to_return
from {{ ref('mart_purchase_facts') }}
where returned_at is not null
group by 1, 2
order by 1
