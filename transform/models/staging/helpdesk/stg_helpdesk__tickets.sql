{#- The latest valid version of each key of base_helpdesk__tickets (_helpdesk__models.yml). -#}
{{ staging_model(ref('base_helpdesk__tickets'), [
    'ticket_id', 'customer_name', 'customer_email', 'customer_age',
    'customer_gender', 'product_purchased', 'purchased_date', 'ticket_type',
    'ticket_subject', 'ticket_description', 'ticket_status', 'resolution',
    'ticket_priority', 'ticket_channel', 'created_at', 'first_response_at',
    'resolved_at', 'csat_rating',
], extra_lineage=['source_row_number']) }}
