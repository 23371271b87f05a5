{#-
    The latest valid version of each key: base_helpdesk__tickets parses and checks every raw row; rows
    that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (

    select
        ticket_id,
        customer_name,
        customer_email,
        customer_age,
        customer_gender,
        product_purchased,
        purchased_date,
        ticket_type,
        ticket_subject,
        ticket_description,
        ticket_status,
        resolution,
        ticket_priority,
        ticket_channel,
        created_at,
        first_response_at,
        resolved_at,
        csat_rating,
        extracted_at,
        synced_at,
        source_file_id,
        source_row_number,
        load_id

    from {{ ref('base_helpdesk__tickets') }}
    where is_latest_valid

),

final as (

    select * from latest_valid

)

select * from final
