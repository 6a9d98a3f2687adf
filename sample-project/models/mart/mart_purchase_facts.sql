-- One row per purchase in its latest state, with the buyer, the product and the price in effect when the item was
-- bought (or carted, for items never bought). The other purchase marts aggregate this one.
with latest_purchase as (
    select distinct on (s.purchase_hk)
        s.purchase_hk,
        s.created_at,
        s.added_to_cart_at,
        s.purchased_at,
        s.returned_at
    from {{ ref('sat_purchases') }} as s
    order by s.purchase_hk, s.load_date desc
),

-- Each satellite row of a product is valid from its load until the next one; the first row also covers
-- everything before it, because the history that came with the first sync predates that load.
product_versions as (
    select
        p.product_hk,
        p.make,
        p.model,
        p.year,
        p.price,
        p.load_date as valid_from,
        lead(p.load_date) over (partition by p.product_hk order by p.load_date) as valid_to,
        row_number() over (partition by p.product_hk order by p.load_date) = 1 as is_first_version
    from {{ ref('sat_products') }} as p
)

select
    l.purchase_id,
    hu.user_id,
    hp.product_id,
    pv.make,
    pv.model,
    pv.year as manufacture_year,
    pv.price,
    lp.created_at,
    lp.added_to_cart_at,
    lp.purchased_at,
    lp.returned_at,
    round((extract(epoch from lp.returned_at - lp.purchased_at) / 86400.0)::numeric, 2) as days_to_return
from {{ ref('link_purchases') }} as l
join latest_purchase as lp
    on lp.purchase_hk = l.purchase_hk
join {{ ref('hub_users') }} as hu
    on hu.user_hk = l.user_hk
join {{ ref('hub_products') }} as hp
    on hp.product_hk = l.product_hk
left join product_versions as pv
    on pv.product_hk = l.product_hk
    and (pv.is_first_version or pv.valid_from <= coalesce(lp.purchased_at, lp.added_to_cart_at))
    and (pv.valid_to is null or coalesce(lp.purchased_at, lp.added_to_cart_at) < pv.valid_to)
