-- The current price of every product with its year of manufacture and the band of years it falls in.
with latest_product as (
    select distinct on (s.product_hk)
        s.product_hk,
        s.make,
        s.model,
        s.year,
        s.price
    from {{ ref('sat_products') }} as s
    order by s.product_hk, s.load_date desc
)

select
    h.product_id,
    p.make,
    p.model,
    p.year as manufacture_year,
    p.price,
    case
        when p.year < 2000 then 'before_2000'
        when p.year < 2010 then '2000_2009'
        when p.year < 2020 then '2010_2019'
        else '2020_or_later'
    end as year_band
from {{ ref('hub_products') }} as h
join latest_product as p
    on p.product_hk = h.product_hk
order by h.product_id
