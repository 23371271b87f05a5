with

tickets as (

    select
        created_date,
        is_closed,
        first_response_hours,
        resolution_hours,
        csat_rating,
        is_csat_positive

    from {{ ref('fct_ticketing') }}
    where created_date is not null

),

tickets_with_month as (

    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as month_start_date,
        is_closed,
        case when is_closed then first_response_hours end as closed_first_response_hours,
        case when is_closed then resolution_hours end as closed_resolution_hours,
        case when is_closed then csat_rating end as closed_csat_rating,
        case when is_closed then is_csat_positive end as closed_is_csat_positive

    from tickets

),

monthly as (

    select
        month_start_date,
        count(*) as tickets,
        sum(case when is_closed then 1 else 0 end) as closed_tickets,
        avg(closed_first_response_hours) as mean_first_response_hours,
        {{ median('closed_first_response_hours') }} as median_first_response_hours,
        avg(closed_resolution_hours) as mean_resolution_hours,
        {{ median('closed_resolution_hours') }} as median_resolution_hours,
        avg(closed_csat_rating * 1.0) as mean_csat_rating,
        count(closed_csat_rating) as rated_tickets,
        sum(case when closed_is_csat_positive then 1 else 0 end) as csat_positive_tickets

    from tickets_with_month
    group by month_start_date

),

final as (

    select
        month_start_date,
        cast(extract(year from month_start_date) as {{ dbt.type_bigint() }}) as calendar_year,
        cast(extract(month from month_start_date) as {{ dbt.type_bigint() }}) as calendar_month,
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
