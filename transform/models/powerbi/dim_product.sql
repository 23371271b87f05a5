with

products as (

    select
        product_key,
        product_name,
        brand,
        category_label

    from {{ ref('dim_products') }}

),

final as (

    select
        product_key,
        product_name,
        brand,
        category_label

    from products

)

select * from final
