{#- Every raw order row, parsed and checked; see _crm__base.yml. -#}
{{ staging_base(
    source('crm', 'crm_orders'),
    key='order_id',
    columns=[
        ['order_id', 'cast(order_id as ' ~ dbt.type_bigint() ~ ')'],
        ['customer_id', 'cast(customer_id as ' ~ dbt.type_bigint() ~ ')'],
        ['order_status', 'lower(trim(status))'],
        ['currency_code', 'upper(trim(currency))'],
        ['ordered_at', to_utc_timestamp('ordered_at', var('crm_timezone'))],
        ['created_at', to_utc_timestamp('created_at', var('crm_timezone'))],
        ['updated_at', to_utc_timestamp('updated_at', var('crm_timezone'))],
    ],
    checks=[
        ['null_key', 'order_id is null'],
        ['unknown_value',
         "order_status not in ('placed', 'shipped', 'delivered', 'cancelled', 'returned')"
         ~ " or currency_code <> 'GBP'"],
        ['missing_value', 'customer_id is null or ordered_at is null'],
    ],
) }}
