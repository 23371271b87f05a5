{#- Every raw ticket row (one per feed file row), parsed and checked; see _helpdesk__base.yml. -#}
with

source as (

    select * from {{ source('helpdesk', 'helpdesk_tickets') }}

),

channels as (

    select ticket_channel from {{ ref('ref_ticket_channels') }}

),

priorities as (

    select ticket_priority from {{ ref('ref_ticket_priorities') }}

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
        {{ is_unparseable('customer_age', 'number') }}
            or {{ is_unparseable('customer_satisfaction_rating', 'number') }}
            as has_unparseable_number,
        {{ is_unparseable('date_of_purchase', 'date') }}
            or {{ is_unparseable('created_at', 'timestamp') }}
            or {{ is_unparseable('first_response_time', 'timestamp') }}
            or {{ is_unparseable('time_to_resolution', 'timestamp') }}
            as has_unparseable_timestamp,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        cast(_source_row_number as {{ dbt.type_bigint() }}) as source_row_number,
        _dlt_load_id as load_id,
        {{ row_to_json('source') }} as raw_row

    from source

),

checked as (

    select
        *,
        {{ quarantine_reason([
            ['null_key', 'ticket_id is null'],
            ['unparseable_number', 'has_unparseable_number'],
            ['unparseable_timestamp', 'has_unparseable_timestamp'],
            ['out_of_range',
             'csat_rating < 1 or csat_rating > 5 or customer_age < 0 or customer_age > 150'],
            ['unknown_value',
             "ticket_status not in ('Open', 'Pending Customer Response', 'Closed')"],
            ['unknown_value', 'ticket_channel not in (select ticket_channel from channels)'],
            ['unknown_value', 'ticket_priority not in (select ticket_priority from priorities)'],
            ['impossible_duration',
             'first_response_at < created_at or resolved_at < first_response_at'],
        ]) }} as row_issue,
        {{ integer_key(['customer_name', 'customer_email', 'customer_age', 'customer_gender',
                        'product_purchased', 'purchased_date', 'ticket_type', 'ticket_subject',
                        'ticket_description', 'ticket_status', 'resolution', 'ticket_priority',
                        'ticket_channel', 'created_at', 'first_response_at', 'resolved_at',
                        'csat_rating']) }} as content_key,
        {{ integer_key(['extracted_at', 'source_file_id']) }} as version_key

    from renamed

),

{{ version_ctes(
    'ticket_id',
    'extracted_at desc nulls last, source_file_id desc nulls last,'
    ~ ' source_row_number desc nulls last'
) }},

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
        load_id,
        raw_row,
        quarantine_reason,
        version_rank,
        coalesce(version_rank = latest_valid_rank, false) as is_latest_valid,
        quarantine_reason is not null
            and (latest_valid_rank is null or version_rank < latest_valid_rank) as is_quarantined

    from versions

)

select * from final
