{#- Every raw order line row, parsed and checked; see _crm__base.yml. -#}
{{ staging_base(
    source('crm', 'crm_order_items'),
    key='order_item_id',
    columns=[
        ['order_item_id', 'cast(order_item_id as ' ~ dbt.type_bigint() ~ ')'],
        ['order_id', 'cast(order_id as ' ~ dbt.type_bigint() ~ ')'],
        ['product_id', 'cast(product_id as ' ~ dbt.type_bigint() ~ ')'],
        ['quantity', 'cast(quantity as ' ~ dbt.type_bigint() ~ ')'],
        ['unit_price_gbp', to_money('unit_price')],
        ['created_at', to_utc_timestamp('created_at', var('crm_timezone'))],
        ['updated_at', to_utc_timestamp('updated_at', var('crm_timezone'))],
    ],
    checks=[
        ['null_key', 'order_item_id is null'],
        ['missing_value',
         'order_id is null or product_id is null or quantity is null'
         ~ ' or unit_price_gbp is null'],
        ['negative_amount', 'quantity < 0 or unit_price_gbp < 0'],
    ],
) }}
