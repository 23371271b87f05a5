{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        on_schema_change='append_new_columns',
        partition_by=(
            {'field': 'ordered_date', 'data_type': 'date', 'granularity': 'day'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['order_id', 'product_id', 'customer_id'] if target.type == 'bigquery' else none),
        post_hook=(
            "delete from {{ this }} where order_item_id in "
            "(select order_item_id from {{ ref('stg_crm__order_items') }} where is_deleted) "
            "or order_id in (select order_id from {{ ref('stg_crm__orders') }} where is_deleted)"
        ),
    )
}}

-- depends_on: {{ ref('stg_crm__order_items') }}, {{ ref('stg_crm__orders') }} (post_hook)

with

order_lines as (
    {{ import_columns(ref('int_order_lines_enriched'), [
        'order_item_id', 'order_id', 'customer_id', 'product_id', 'ordered_at',
        'ordered_date', 'order_status', 'is_revenue_order', 'quantity', 'unit_price_gbp',
        'line_amount_gbp', 'source_updated_at',
    ]) }}
),

changed_lines as (

    select *
    from order_lines
    {% if is_incremental() -%}
    where
        source_updated_at >= {{ incremental_watermark('source_updated_at') }}
        or {{ incremental_watermark('source_updated_at') }} is null
    {%- endif %}

),

final as (

    select
        {{ integer_key(['order_item_id']) }} as order_item_key,
        order_item_id,
        {{ integer_key(['order_id']) }} as order_key,
        order_id,
        {{ member_key('customer_id') }} as customer_key,
        customer_id,
        {{ member_key('product_id') }} as product_key,
        product_id,
        ordered_at,
        ordered_date,
        order_status,
        is_revenue_order,
        quantity,
        unit_price_gbp,
        line_amount_gbp,
        {{ to_money('case when is_revenue_order then line_amount_gbp else 0 end') }}
            as line_revenue_gbp,
        source_updated_at

    from changed_lines

)

select * from final
