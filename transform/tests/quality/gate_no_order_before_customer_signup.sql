{{ config(tags=['quality_gate', 'business_rule'], severity='warn') }}

-- Business rule: no order is placed before its customer signed up. signup_date is a local
-- date in var('crm_timezone'), so it starts at local midnight (an order at 00:30 BST on the
-- signup day is 23:30 UTC the day before, and valid).
with

orders as (

    select
        order_id,
        customer_key,
        ordered_at

    from {{ ref('fct_orders') }}

),

customers as (

    select
        customer_key,
        customer_id,
        signup_date

    from {{ ref('dim_customers') }}
    where is_crm_customer and signup_date is not null

),

final as (

    select
        orders.order_id,
        customers.customer_id,
        orders.ordered_at,
        customers.signup_date

    from orders
    inner join customers
        on orders.customer_key = customers.customer_key
    where
        orders.ordered_at
        < {{ to_utc_timestamp('cast(customers.signup_date as timestamp)', var('crm_timezone')) }}

)

select * from final
