{{
    config(
        cluster_by=(['product_id'] if target.type == 'bigquery' else none),
    )
}}

with

products as (
    {{ import_columns(ref('stg_crm__products'), [
        'product_id', 'product_name', 'brand', 'category', 'list_price_gbp', 'created_at',
        'updated_at',
    ], where='not is_deleted') }}
),

categories as (
    {{ import_columns(ref('ref_product_categories'), ['category', 'category_label']) }}
),

order_items as (

    select distinct product_id

    from {{ ref('fct_order_items') }}
    where product_id is not null

),

crm_products as (

    select
        {{ member_key('products.product_id') }} as product_key,
        products.product_id,
        products.product_name,
        products.brand,
        coalesce(products.category, 'Unknown') as category,
        coalesce(categories.category_label, products.category, 'Unknown') as category_label,
        products.list_price_gbp,
        true as is_crm_product,
        products.created_at,
        products.updated_at

    from products
    left join categories
        on products.category = categories.category

),

{#- Products that order lines reference but the CRM does not (yet) hold. #}
members as (
    {{ dimension_members(
        known='crm_products',
        referenced='order_items',
        key='product_id',
        surrogate_key='product_key',
        columns=[
            'product_name', 'brand', 'category', 'category_label', 'list_price_gbp',
            'is_crm_product', 'created_at', 'updated_at',
        ],
        inferred={
            'product_name': "'Product not in CRM'", 'is_crm_product': 'false',
            'brand': "'Unknown'", 'category': "'Unknown'", 'category_label': "'Unknown'",
        },
        unknown={'product_name': "'Unknown product'"},
    ) }}
),

final as (

    select
        cast(product_key as {{ dbt.type_bigint() }}) as product_key,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        cast(brand as {{ dbt.type_string() }}) as brand,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(category_label as {{ dbt.type_string() }}) as category_label,
        {{ to_money('list_price_gbp') }} as list_price_gbp,
        is_crm_product,
        created_at,
        updated_at

    from members

)

select * from final
