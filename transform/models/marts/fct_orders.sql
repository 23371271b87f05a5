{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        on_schema_change='append_new_columns',
        partition_by=(
            {'field': 'ordered_date', 'data_type': 'date', 'granularity': 'day'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['order_id', 'customer_id'] if target.type == 'bigquery' else none),
        post_hook=(
            "delete from {{ this }} where order_id in "
            "(select order_id from {{ ref('stg_crm__orders') }} where is_deleted)"
        ),
    )
}}

-- depends_on: {{ ref('stg_crm__order_items') }} (deleted lines, incremental runs)

with

orders as (
    {{ import_columns(ref('stg_crm__orders'), [
        'order_id', 'customer_id', 'order_status', 'currency_code', 'ordered_at',
        'updated_at',
    ], where='not is_deleted') }}
),

order_lines as (
    {{ import_columns(ref('int_order_lines_enriched'), [
        'order_id', 'quantity', 'line_amount_gbp', 'line_updated_at',
    ]) }}
),

lines_per_order as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(line_amount_gbp) as order_amount_gbp,
        max(line_updated_at) as lines_updated_at

    from order_lines
    group by order_id

),

orders_with_lines as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_status,
        orders.currency_code,
        orders.ordered_at,
        {{ is_revenue_order('orders.order_status') }} as is_revenue_order,
        coalesce(lines_per_order.line_count, 0) as line_count,
        coalesce(lines_per_order.units, 0) as units,
        coalesce(lines_per_order.order_amount_gbp, 0) as order_amount_gbp,
        greatest(
            orders.updated_at,
            coalesce(lines_per_order.lines_updated_at, orders.updated_at)
        ) as source_updated_at

    from orders
    left join lines_per_order
        on orders.order_id = lines_per_order.order_id

),

changed_orders as (

    select *
    from orders_with_lines
    {% if is_incremental() -%}
    where
        source_updated_at >= {{ incremental_watermark('source_updated_at') }}
        or {{ incremental_watermark('source_updated_at') }} is null
        or order_id in (
            select order_id from {{ ref('stg_crm__order_items') }} where is_deleted
        )
    {%- endif %}

),

final as (

    select
        {{ integer_key(['order_id']) }} as order_key,
        order_id,
        {{ member_key('customer_id') }} as customer_key,
        customer_id,
        ordered_at,
        {{ utc_date('ordered_at') }} as ordered_date,
        order_status,
        is_revenue_order,
        currency_code,
        cast(line_count as {{ dbt.type_bigint() }}) as line_count,
        cast(units as {{ dbt.type_bigint() }}) as units,
        {{ to_money('order_amount_gbp') }} as order_amount_gbp,
        {{ to_money('case when is_revenue_order then order_amount_gbp else 0 end') }}
            as order_revenue_gbp,
        source_updated_at

    from changed_orders

)

select * from final
