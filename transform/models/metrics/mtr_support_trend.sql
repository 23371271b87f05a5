with

tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'created_date', 'is_closed', 'first_response_hours', 'resolution_hours',
        'csat_rating', 'is_csat_positive',
    ], where='created_date is not null') }}
),

tickets_with_month as (

    select
        {{ month_start('created_date') }} as month_start_date,
        is_closed,
        first_response_hours,
        resolution_hours,
        csat_rating,
        is_csat_positive

    from tickets

),

monthly as (

    select
        month_start_date,
        {{ ticket_measures(medians=true) }}

    from tickets_with_month
    group by month_start_date

),

final as (

    select
        month_start_date,
        {{ calendar_month_columns('month_start_date') }},
        cast(tickets as {{ dbt.type_bigint() }}) as tickets,
        cast(closed_tickets as {{ dbt.type_bigint() }}) as closed_tickets,
        {{ to_measure('mean_first_response_hours') }} as mean_first_response_hours,
        {{ to_measure('median_first_response_hours') }} as median_first_response_hours,
        {{ to_measure('mean_resolution_hours') }} as mean_resolution_hours,
        {{ to_measure('median_resolution_hours') }} as median_resolution_hours,
        {{ to_measure('mean_csat_rating') }} as mean_csat_rating,
        {{ to_measure('100.0 * ' ~ safe_divide('csat_positive_tickets', 'rated_tickets')) }}
            as csat_positive_pct

    from monthly

)

select * from final
