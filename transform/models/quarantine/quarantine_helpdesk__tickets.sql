with

rejected as (
    {{ quarantine_rejected(ref('base_helpdesk__tickets'), 'ticket_id') }}
),

final as (
    {{ quarantine_rows('helpdesk_tickets', 'rejected') }}
)

select * from final
