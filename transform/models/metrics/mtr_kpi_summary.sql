with

orders as (
    {{ import_columns(ref('fct_orders'), [
        'ordered_date', 'units', 'order_revenue_gbp',
    ], where='is_revenue_order') }}
),

customers as (

    select customer_key

    from {{ ref('dim_customers') }}
    where is_crm_customer

),

tickets as (
    {{ import_columns(ref('fct_ticketing'), [
        'is_closed', 'is_customer_matched', 'first_response_hours', 'resolution_hours',
        'csat_rating', 'is_csat_positive',
    ]) }}
),

order_totals as (

    select
        coalesce(sum(order_revenue_gbp), 0) as total_revenue_gbp,
        count(*) as orders,
        coalesce(sum(units), 0) as units,
        min(ordered_date) as first_order_date,
        max(ordered_date) as last_order_date

    from orders

),

customer_totals as (

    select count(*) as customers

    from customers

),

ticket_totals as (

    select
        {{ ticket_measures() }},
        sum(case when not is_customer_matched then 1 else 0 end) as unmatched_tickets

    from tickets

),

final as (

    select
        {{ to_money('order_totals.total_revenue_gbp') }} as total_revenue_gbp,
        cast(order_totals.orders as {{ dbt.type_bigint() }}) as orders,
        cast(order_totals.units as {{ dbt.type_bigint() }}) as units,
        {{ to_money(safe_divide('order_totals.total_revenue_gbp', 'order_totals.orders')) }}
            as aov_gbp,
        {{ to_money(safe_divide('order_totals.total_revenue_gbp', 'customer_totals.customers')) }}
            as arpc_gbp,
        cast(customer_totals.customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_money(safe_divide('order_totals.total_revenue_gbp', 'order_totals.units')) }}
            as avg_price_per_unit_gbp,
        order_totals.first_order_date,
        order_totals.last_order_date,
        cast(ticket_totals.tickets as {{ dbt.type_bigint() }}) as tickets,
        cast(coalesce(ticket_totals.unmatched_tickets, 0) as {{ dbt.type_bigint() }})
            as unmatched_tickets,
        cast(coalesce(ticket_totals.closed_tickets, 0) as {{ dbt.type_bigint() }})
            as closed_tickets,
        {{ to_measure('ticket_totals.mean_first_response_hours') }} as avg_first_response_hours,
        {{ to_measure('ticket_totals.mean_resolution_hours') }} as avg_resolution_hours,
        {{ to_measure('ticket_totals.mean_csat_rating') }} as mean_csat_rating,
        {{ to_measure('100.0 * ' ~ safe_divide('ticket_totals.csat_positive_tickets', 'ticket_totals.rated_tickets')) }}
            as csat_positive_pct

    from order_totals
    cross join customer_totals
    cross join ticket_totals

)

select * from final
