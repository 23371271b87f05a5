{{ config(tags=['quality_gate', 'business_rule'], severity='warn') }}

-- Business rule: every order's amount and line count equal the sum of its lines in
-- fct_order_items (the two incremental facts must not drift apart).
with

orders as (

    select
        order_id,
        line_count,
        order_amount_gbp

    from {{ ref('fct_orders') }}

),

lines_per_order as (

    select
        order_id,
        count(*) as line_count,
        sum(line_amount_gbp) as lines_amount_gbp

    from {{ ref('fct_order_items') }}
    group by order_id

),

final as (

    select
        coalesce(orders.order_id, lines_per_order.order_id) as order_id,
        orders.order_amount_gbp,
        lines_per_order.lines_amount_gbp,
        orders.line_count as order_line_count,
        lines_per_order.line_count as fact_line_count

    from orders
    full outer join lines_per_order
        on orders.order_id = lines_per_order.order_id
    where
        coalesce(orders.order_amount_gbp, 0) <> coalesce(lines_per_order.lines_amount_gbp, 0)
        or coalesce(orders.line_count, 0) <> coalesce(lines_per_order.line_count, 0)

)

select * from final
