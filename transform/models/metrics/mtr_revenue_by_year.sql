with

orders as (
    {{ import_columns(ref('fct_orders'), [
        'ordered_date', 'units', 'order_revenue_gbp',
    ], where='is_revenue_order') }}
),

orders_with_period as (

    select
        cast(extract(year from ordered_date) as {{ dbt.type_bigint() }}) as calendar_year,
        {{ month_start('ordered_date') }} as month_start_date,
        units,
        order_revenue_gbp

    from orders

),

yearly as (

    select
        calendar_year,
        sum(order_revenue_gbp) as revenue_gbp,
        count(*) as orders,
        sum(units) as units,
        count(distinct month_start_date) as months_covered

    from orders_with_period
    group by calendar_year

),

with_previous_year as (

    select
        *,
        lag(calendar_year) over (order by calendar_year) as previous_calendar_year,
        lag(revenue_gbp) over (order by calendar_year) as previous_revenue_gbp

    from yearly

),

final as (

    select
        calendar_year,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(units as {{ dbt.type_bigint() }}) as units,
        {{ to_money(safe_divide('revenue_gbp', 'orders')) }} as aov_gbp,
        {{ to_money('case when previous_calendar_year = calendar_year - 1 then previous_revenue_gbp end') }}
            as previous_year_revenue_gbp,
        {{ to_measure(
            'case when previous_calendar_year = calendar_year - 1 then 100.0 * '
            ~ safe_divide('revenue_gbp - previous_revenue_gbp', 'previous_revenue_gbp')
            ~ ' end'
        ) }} as revenue_yoy_pct,
        cast(months_covered as {{ dbt.type_bigint() }}) as months_covered,
        months_covered < 12 as is_partial_year

    from with_previous_year

)

select * from final
