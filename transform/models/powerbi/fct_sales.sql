with

order_items as (
    {{ import_columns(ref('fct_order_items'), [
        'order_item_key', 'order_key', 'customer_key', 'product_key', 'ordered_date',
        'quantity', 'line_revenue_gbp',
    ], where='is_revenue_order') }}
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
