with

orders as (

    select
        order_id,
        customer_key,
        ordered_date,
        units,
        order_revenue_gbp

    from {{ ref('fct_orders') }}
    where is_revenue_order

),

orders_with_month as (

    select
        cast({{ dbt.date_trunc('month', 'ordered_date') }} as date) as month_start_date,
        order_id,
        customer_key,
        units,
        order_revenue_gbp

    from orders

),

monthly as (

    select
        month_start_date,
        sum(order_revenue_gbp) as revenue_gbp,
        count(*) as orders,
        sum(units) as units,
        count(distinct customer_key) as customers,
        {{ median('order_revenue_gbp') }} as median_order_value_gbp,
        {{ percentile('order_revenue_gbp', 0.75) }} as p75_order_value_gbp,
        {{ percentile('order_revenue_gbp', 0.95) }} as p95_order_value_gbp

    from orders_with_month
    group by month_start_date

),

final as (

    select
        month_start_date,
        cast(extract(year from month_start_date) as {{ dbt.type_bigint() }}) as calendar_year,
        cast(extract(month from month_start_date) as {{ dbt.type_bigint() }}) as calendar_month,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(units as {{ dbt.type_bigint() }}) as units,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_money(safe_divide('revenue_gbp', 'orders')) }} as aov_gbp,
        {{ to_money('median_order_value_gbp') }} as median_order_value_gbp,
        {{ to_money('p75_order_value_gbp') }} as p75_order_value_gbp,
        {{ to_money('p95_order_value_gbp') }} as p95_order_value_gbp

    from monthly

)

select * from final
