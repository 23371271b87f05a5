with

order_items as (

    select
        order_item_key,
        order_key,
        customer_key,
        product_key,
        ordered_date,
        quantity,
        line_revenue_gbp

    from {{ ref('fct_order_items') }}
    where is_revenue_order

),

final as (

    select
        order_item_key,
        order_key,
        customer_key,
        product_key,
        ordered_date,
        quantity,
        line_revenue_gbp as revenue_gbp

    from order_items

)

select * from final
