{#- Every raw ticket row (one per feed file row), parsed and checked; see _helpdesk__base.yml. -#}
{%- set tz = var('helpdesk_timezone') -%}
{{ staging_base(
    source('helpdesk', 'helpdesk_tickets'),
    key='ticket_id',
    columns=[
        ['ticket_id', safe_parse('ticket_id', 'integer')],
        ['customer_name', "nullif(trim(customer_name), '')"],
        ['customer_email', "nullif(lower(trim(customer_email)), '')"],
        ['customer_age', safe_parse('customer_age', 'integer')],
        ['customer_gender', "nullif(trim(customer_gender), '')"],
        ['product_purchased', "nullif(trim(product_purchased), '')"],
        ['purchased_date', safe_parse('date_of_purchase', 'date')],
        ['ticket_type', "nullif(trim(ticket_type), '')"],
        ['ticket_subject', "nullif(trim(ticket_subject), '')"],
        ['ticket_description', "nullif(trim(ticket_description), '')"],
        ['ticket_status', "nullif(trim(ticket_status), '')"],
        ['resolution', "nullif(trim(resolution), '')"],
        ['ticket_priority', "nullif(trim(ticket_priority), '')"],
        ['ticket_channel', "nullif(trim(ticket_channel), '')"],
        ['created_at', to_utc_timestamp(safe_parse('created_at', 'timestamp'), tz)],
        ['first_response_at', to_utc_timestamp(safe_parse('first_response_time', 'timestamp'), tz)],
        ['resolved_at', to_utc_timestamp(safe_parse('time_to_resolution', 'timestamp'), tz)],
        ['csat_rating', safe_parse('customer_satisfaction_rating', 'integer')],
    ],
    check_columns=[
        ['has_unparseable_number',
         is_unparseable('customer_age', 'number')
         ~ ' or ' ~ is_unparseable('customer_satisfaction_rating', 'number')],
        ['has_unparseable_timestamp',
         is_unparseable('date_of_purchase', 'date')
         ~ ' or ' ~ is_unparseable('created_at', 'timestamp')
         ~ ' or ' ~ is_unparseable('first_response_time', 'timestamp')
         ~ ' or ' ~ is_unparseable('time_to_resolution', 'timestamp')],
    ],
    extra_lineage=[
        ['source_row_number', 'cast(_source_row_number as ' ~ dbt.type_bigint() ~ ')'],
    ],
    lookups=[
        ['channels', ref('ref_ticket_channels'), 'ticket_channel'],
        ['priorities', ref('ref_ticket_priorities'), 'ticket_priority'],
    ],
    checks=[
        ['null_key', 'ticket_id is null'],
        ['unparseable_number', 'has_unparseable_number'],
        ['unparseable_timestamp', 'has_unparseable_timestamp'],
        ['out_of_range',
         'csat_rating < 1 or csat_rating > 5 or customer_age < 0 or customer_age > 150'],
        ['unknown_value', "ticket_status not in ('Open', 'Pending Customer Response', 'Closed')"],
        ['unknown_value', 'ticket_channel not in (select ticket_channel from channels)'],
        ['unknown_value', 'ticket_priority not in (select ticket_priority from priorities)'],
        ['impossible_duration',
         'first_response_at < created_at or resolved_at < first_response_at'],
    ],
    version_columns=['extracted_at', 'source_file_id'],
    version_order='extracted_at desc nulls last, source_file_id desc nulls last,'
        ~ ' source_row_number desc nulls last',
) }}
