with

channels as (
    {{ import_columns(ref('ref_ticket_channels'), ['ticket_channel', 'display_order']) }}
),

priorities as (
    {{ import_columns(ref('ref_ticket_priorities'), ['ticket_priority', 'display_order']) }}
),

tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'ticket_channel', 'ticket_priority', 'is_closed', 'first_response_hours',
        'resolution_hours', 'csat_rating', 'is_csat_positive',
    ]) }}
),

per_cell as (

    select
        ticket_channel,
        ticket_priority,
        {{ ticket_measures() }}

    from tickets
    group by ticket_channel, ticket_priority

),

grid as (

    select
        channels.ticket_channel,
        channels.display_order as channel_order,
        priorities.ticket_priority,
        priorities.display_order as priority_order

    from channels
    cross join priorities

),

final as (

    select
        grid.ticket_channel,
        cast(grid.channel_order as {{ dbt.type_bigint() }}) as channel_order,
        grid.ticket_priority,
        cast(grid.priority_order as {{ dbt.type_bigint() }}) as priority_order,
        cast(coalesce(per_cell.tickets, 0) as {{ dbt.type_bigint() }}) as tickets,
        cast(coalesce(per_cell.tickets - per_cell.closed_tickets, 0) as {{ dbt.type_bigint() }})
            as open_tickets,
        cast(coalesce(per_cell.closed_tickets, 0) as {{ dbt.type_bigint() }}) as closed_tickets,
        {{ to_measure('per_cell.mean_first_response_hours') }} as mean_first_response_hours,
        {{ to_measure('per_cell.mean_csat_rating') }} as mean_csat_rating

    from grid
    left join per_cell
        on grid.ticket_channel = per_cell.ticket_channel
        and grid.ticket_priority = per_cell.ticket_priority

)

select * from final
