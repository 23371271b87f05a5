with

tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'ticket_key', 'customer_key', 'product_key', 'created_date', 'ticket_channel',
        'ticket_priority', 'ticket_type', 'ticket_subject', 'ticket_status', 'is_closed',
        'is_csat_positive', 'first_response_hours', 'resolution_hours', 'csat_rating',
    ]) }}
),

priorities as (
    {{ import_columns(ref('ref_ticket_priorities'), ['ticket_priority', 'display_order']) }}
),

sla_targets as (
    {{ import_columns(ref('ref_ticket_sla_targets'), [
        'ticket_priority', 'sla_first_response_hours',
    ]) }}
),

{#- The SLA: a first response later than the priority's target breaches it (a ticket without
    a first response, or a priority without a target, does not). -#}
with_sla as (

    select
        tickets.*,
        priorities.display_order as priority_order,
        coalesce(tickets.first_response_hours > sla_targets.sla_first_response_hours, false)
            as is_sla_breached

    from tickets
    left join priorities
        on tickets.ticket_priority = priorities.ticket_priority
    left join sla_targets
        on tickets.ticket_priority = sla_targets.ticket_priority

),

final as (

    select
        ticket_key,
        customer_key,
        product_key,
        created_date,
        ticket_channel,
        ticket_priority,
        priority_order,
        ticket_type,
        ticket_subject,
        ticket_status,
        is_closed,
        csat_rating is not null as is_rated,
        coalesce(is_csat_positive, false) as is_csat_positive,
        is_sla_breached,
        (
            is_sla_breached
            or coalesce(csat_rating <= {{ var('at_risk_max_csat') }}, false)
        ) as is_at_risk,
        first_response_hours,
        resolution_hours,
        csat_rating

    from with_sla

)

select * from final
