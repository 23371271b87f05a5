{#-
    The latest valid version of each key: base_crm__orders parses and checks every raw row; rows
    that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (

    select
        order_id,
        customer_id,
        order_status,
        currency_code,
        ordered_at,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from {{ ref('base_crm__orders') }}
    where is_latest_valid

),

final as (

    select * from latest_valid

)

{{ with_deletes('final', source('crm', 'crm_orders'), 'order_id') }}
