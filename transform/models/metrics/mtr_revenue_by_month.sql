with

orders as (
    {{ import_columns(ref('fct_orders'), [
        'order_id', 'customer_key', 'ordered_date', 'units', 'order_revenue_gbp',
    ], where='is_revenue_order') }}
),

orders_with_month as (

    select
        {{ month_start('ordered_date') }} as month_start_date,
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
        {{ calendar_month_columns('month_start_date') }},
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
