with

rejected as (
    {{ quarantine_rejected(ref('base_crm__order_items'), 'order_item_id') }}
),

latest_lines as (

    select
        order_item_id,
        order_id,
        source_file_id,
        load_id,
        extracted_at,
        raw_row

    from {{ ref('base_crm__order_items') }}
    where is_latest_valid

),

orders as (

    select order_id from {{ ref('stg_crm__orders') }}

),

{#- A valid line whose order is unknown (or quarantined) stays out of the marts until its
    order arrives: int_order_lines_enriched joins lines to orders with an inner join. #}
orphaned as (

    select
        cast(latest_lines.order_item_id as {{ dbt.type_string() }}) as record_key,
        'unknown_reference' as quarantine_reason,
        latest_lines.source_file_id,
        latest_lines.load_id,
        latest_lines.extracted_at,
        latest_lines.raw_row

    from latest_lines
    left join orders
        on latest_lines.order_id = orders.order_id
    where orders.order_id is null

),

quarantined as (

    select * from rejected
    union all
    select * from orphaned

),

final as (
    {{ quarantine_rows('crm_order_items', 'quarantined') }}
)

select * from final
