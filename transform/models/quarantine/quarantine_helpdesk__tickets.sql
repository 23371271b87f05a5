{{ quarantine_table(ref('base_helpdesk__tickets'), 'ticket_id', 'helpdesk_tickets') }}
