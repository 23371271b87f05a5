with

tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'ticket_type', 'ticket_subject', 'is_closed', 'first_response_hours',
        'resolution_hours', 'csat_rating', 'is_csat_positive',
    ]) }}
),

{#- One row per ticket and issue dimension, so subjects and types share one table. #}
issues as (

    select
        'subject' as issue_dimension,
        coalesce(ticket_subject, 'Unknown') as issue_name,
        *
    from tickets
    union all
    select
        'type' as issue_dimension,
        coalesce(ticket_type, 'Unknown') as issue_name,
        *
    from tickets

),

per_issue as (

    select
        issue_dimension,
        issue_name,
        {{ ticket_measures() }}

    from issues
    group by issue_dimension, issue_name

),

ranked as (

    select
        *,
        rank() over (
            partition by issue_dimension order by closed_tickets desc, tickets desc
        ) as issue_rank,
        sum(tickets) over (partition by issue_dimension) as dimension_tickets

    from per_issue

),

final as (

    select
        issue_dimension,
        issue_name,
        cast(tickets as {{ dbt.type_bigint() }}) as tickets,
        cast(closed_tickets as {{ dbt.type_bigint() }}) as closed_tickets,
        {{ to_measure('100.0 * ' ~ safe_divide('tickets', 'dimension_tickets')) }}
            as ticket_share_pct,
        cast(issue_rank as {{ dbt.type_bigint() }}) as issue_rank,
        {{ to_measure('mean_resolution_hours') }} as mean_resolution_hours,
        {{ to_measure('mean_csat_rating') }} as mean_csat_rating

    from ranked

)

select * from final
