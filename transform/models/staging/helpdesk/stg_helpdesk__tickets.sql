with

source as (

    select * from {{ source('helpdesk', 'helpdesk_tickets') }}

),

renamed as (

    select
        {{ safe_parse('ticket_id', 'integer') }} as ticket_id,
        nullif(trim(customer_name), '') as customer_name,
        nullif(lower(trim(customer_email)), '') as customer_email,
        {{ safe_parse('customer_age', 'integer') }} as customer_age,
        nullif(trim(customer_gender), '') as customer_gender,
        nullif(trim(product_purchased), '') as product_purchased,
        {{ safe_parse('date_of_purchase', 'date') }} as purchased_date,
        nullif(trim(ticket_type), '') as ticket_type,
        nullif(trim(ticket_subject), '') as ticket_subject,
        nullif(trim(ticket_description), '') as ticket_description,
        nullif(trim(ticket_status), '') as ticket_status,
        nullif(trim(resolution), '') as resolution,
        nullif(trim(ticket_priority), '') as ticket_priority,
        nullif(trim(ticket_channel), '') as ticket_channel,
        {{ to_utc_timestamp(safe_parse('created_at', 'timestamp'), var('helpdesk_timezone')) }}
            as created_at,
        {{ to_utc_timestamp(safe_parse('first_response_time', 'timestamp'), var('helpdesk_timezone')) }}
            as first_response_at,
        {{ to_utc_timestamp(safe_parse('time_to_resolution', 'timestamp'), var('helpdesk_timezone')) }}
            as resolved_at,
        {{ safe_parse('customer_satisfaction_rating', 'integer') }} as csat_rating,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        cast(_source_row_number as {{ dbt.type_bigint() }}) as source_row_number,
        _dlt_load_id as load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by ticket_id
            order by
                extracted_at desc nulls last,
                source_file_id desc nulls last,
                source_row_number desc nulls last
        ) as version_rank

    from renamed

),

final as (

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

    from ranked
    where version_rank = 1

)

select * from final
