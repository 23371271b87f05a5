with

income_brackets as (
    {{ import_columns(ref('ref_income_brackets'), [
        'income_bracket', 'bracket_label', 'display_order',
    ]) }}
),

customers as (
    {{ import_columns(ref('dim_customers'), [
        'customer_key', 'income_bracket',
    ], where='is_crm_customer') }}
),

orders as (
    {{ import_columns(ref('fct_orders'), [
        'customer_key', 'units', 'order_revenue_gbp',
    ], where='is_revenue_order') }}
),

customers_per_bracket as (

    select
        income_bracket,
        count(*) as customers

    from customers
    group by income_bracket

),

orders_per_bracket as (

    select
        customers.income_bracket,
        count(distinct orders.customer_key) as ordering_customers,
        count(*) as orders,
        sum(orders.units) as units,
        sum(orders.order_revenue_gbp) as revenue_gbp

    from orders
    inner join customers
        on orders.customer_key = customers.customer_key
    group by customers.income_bracket

),

brackets as (
    {{ zero_filled(
        'income_brackets',
        ['income_bracket', 'bracket_label', 'display_order'],
        [
            ['customers_per_bracket', ['customers']],
            ['orders_per_bracket', ['ordering_customers', 'orders', 'units', 'revenue_gbp']],
        ],
        key='income_bracket',
    ) }}
),

with_totals as (

    select
        *,
        sum(customers) over () as total_customers,
        sum(revenue_gbp) over () as total_revenue_gbp

    from brackets

),

final as (

    select
        income_bracket,
        bracket_label,
        cast(display_order as {{ dbt.type_bigint() }}) as display_order,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_measure('100.0 * ' ~ safe_divide('customers', 'total_customers')) }}
            as customer_share_pct,
        cast(ordering_customers as {{ dbt.type_bigint() }}) as ordering_customers,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        {{ to_measure('100.0 * ' ~ safe_divide('revenue_gbp', 'total_revenue_gbp')) }}
            as revenue_share_pct,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(units as {{ dbt.type_bigint() }}) as units,
        {{ to_money(safe_divide('revenue_gbp', 'customers')) }} as arpc_gbp,
        {{ to_money(safe_divide('revenue_gbp', 'orders')) }} as aov_gbp

    from with_totals

)

select * from final
