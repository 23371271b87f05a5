with

channels as (
    {{ import_columns(ref('ref_ticket_channels'), [
        'ticket_channel', 'channel_label', 'display_order',
    ]) }}
),

closed_tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'ticket_channel', 'first_response_hours', 'resolution_hours', 'csat_rating',
        'is_csat_positive',
    ], where='is_closed') }}
),

{#- Every closed ticket once under its channel and once under 'All'. #}
tickets_with_all as (

    select * from closed_tickets
    union all
    select
        'All' as ticket_channel,
        first_response_hours,
        resolution_hours,
        csat_rating,
        is_csat_positive
    from closed_tickets

),

per_channel as (

    select
        ticket_channel,
        count(*) as closed_tickets,
        avg(first_response_hours) as mean_first_response_hours,
        {{ median('first_response_hours') }} as median_first_response_hours,
        {{ percentile('first_response_hours', 0.75) }} as p75_first_response_hours,
        {{ percentile('first_response_hours', 0.95) }} as p95_first_response_hours,
        avg(resolution_hours) as mean_resolution_hours,
        {{ median('resolution_hours') }} as median_resolution_hours,
        {{ percentile('resolution_hours', 0.75) }} as p75_resolution_hours,
        {{ percentile('resolution_hours', 0.95) }} as p95_resolution_hours,
        count(csat_rating) as rated_tickets,
        avg(csat_rating * 1.0) as mean_csat_rating,
        sum(case when is_csat_positive then 1 else 0 end) as csat_positive_tickets

    from tickets_with_all
    group by ticket_channel

),

channel_rows as (

    select
        ticket_channel,
        channel_label,
        display_order

    from channels
    union all
    select
        'All' as ticket_channel,
        'All channels' as channel_label,
        0 as display_order

),

final as (

    select
        channel_rows.ticket_channel,
        channel_rows.channel_label,
        cast(channel_rows.display_order as {{ dbt.type_bigint() }}) as display_order,
        cast(coalesce(per_channel.closed_tickets, 0) as {{ dbt.type_bigint() }}) as closed_tickets,
        {{ to_measure('per_channel.mean_first_response_hours') }} as mean_first_response_hours,
        {{ to_measure('per_channel.median_first_response_hours') }} as median_first_response_hours,
        {{ to_measure('per_channel.p75_first_response_hours') }} as p75_first_response_hours,
        {{ to_measure('per_channel.p95_first_response_hours') }} as p95_first_response_hours,
        {{ to_measure('per_channel.mean_resolution_hours') }} as mean_resolution_hours,
        {{ to_measure('per_channel.median_resolution_hours') }} as median_resolution_hours,
        {{ to_measure('per_channel.p75_resolution_hours') }} as p75_resolution_hours,
        {{ to_measure('per_channel.p95_resolution_hours') }} as p95_resolution_hours,
        cast(coalesce(per_channel.rated_tickets, 0) as {{ dbt.type_bigint() }}) as rated_tickets,
        {{ to_measure('per_channel.mean_csat_rating') }} as mean_csat_rating,
        {{ to_measure(
            '100.0 * ' ~ safe_divide('per_channel.csat_positive_tickets', 'per_channel.rated_tickets')
        ) }} as csat_positive_pct

    from channel_rows
    left join per_channel
        on channel_rows.ticket_channel = per_channel.ticket_channel

)

select * from final
