{#- Every raw product row, parsed and checked; see _crm__base.yml. -#}
{{ staging_base(
    source('crm', 'crm_products'),
    key='product_id',
    columns=[
        ['product_id', 'cast(product_id as ' ~ dbt.type_bigint() ~ ')'],
        ['product_name', 'trim(product_name)'],
        ['brand', 'trim(brand)'],
        ['category', 'trim(category)'],
        ['list_price_gbp', to_money('list_price')],
        ['created_at', to_utc_timestamp('created_at', var('crm_timezone'))],
        ['updated_at', to_utc_timestamp('updated_at', var('crm_timezone'))],
    ],
    checks=[
        ['null_key', 'product_id is null'],
        ['missing_value', 'product_name is null'],
        ['negative_amount', 'list_price_gbp < 0'],
    ],
) }}
