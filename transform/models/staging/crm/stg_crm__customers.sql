{#-
    The latest valid version of each key: base_crm__customers parses and checks every raw row; rows
    that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (

    select
        customer_id,
        full_name,
        email,
        age,
        gender,
        location,
        income_bracket,
        signup_date,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from {{ ref('base_crm__customers') }}
    where is_latest_valid

),

final as (

    select * from latest_valid

)

{{ with_deletes('final', source('crm', 'crm_customers'), 'customer_id') }}
