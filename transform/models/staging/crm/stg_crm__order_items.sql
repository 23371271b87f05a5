{#-
    The latest valid version of each key: base_crm__order_items parses and checks every raw row; rows
    that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (

    select
        order_item_id,
        order_id,
        product_id,
        quantity,
        unit_price_gbp,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from {{ ref('base_crm__order_items') }}
    where is_latest_valid

),

final as (

    select * from latest_valid

)

{{ with_deletes('final', source('crm', 'crm_order_items'), 'order_item_id') }}
