with

rejected as (

    select
        cast(ticket_id as {{ dbt.type_string() }}) as record_key,
        quarantine_reason,
        source_file_id,
        load_id,
        extracted_at,
        raw_row

    from {{ ref('base_helpdesk__tickets') }}
    where is_quarantined

),

final as (

    select
        'helpdesk_tickets' as source_table,
        record_key,
        quarantine_reason,
        {{ pipeline_run_id() }} as run_id,
        {{ dbt.current_timestamp() }} as quarantined_at,
        source_file_id,
        load_id,
        extracted_at,
        raw_row

    from rejected

)

select * from final
