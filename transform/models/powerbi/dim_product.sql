with

products as (
    {{ import_columns(ref('dim_products'), [
        'product_key', 'product_name', 'brand', 'category_label',
    ]) }}
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
