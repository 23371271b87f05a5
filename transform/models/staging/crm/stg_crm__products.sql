{#-
    The latest valid version of each key: base_crm__products parses and checks every raw row; rows
    that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (

    select
        product_id,
        product_name,
        brand,
        category,
        list_price_gbp,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from {{ ref('base_crm__products') }}
    where is_latest_valid

),

final as (

    select * from latest_valid

)

{{ with_deletes('final', source('crm', 'crm_products'), 'product_id') }}
