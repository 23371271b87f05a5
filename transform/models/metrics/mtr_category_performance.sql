with

categories as (
    {{ import_columns(ref('ref_product_categories'), ['category', 'display_order']) }}
),

products as (
    {{ import_columns(ref('dim_products'), [
        'product_key', 'category', 'category_label',
    ], where='product_key <> -1') }}
),

order_items as (
    {{ import_columns(ref('fct_order_items'), [
        'order_id', 'product_key', 'quantity', 'line_revenue_gbp',
    ], where='is_revenue_order') }}
),

products_per_category as (

    select
        category,
        max(category_label) as category_label,
        count(*) as products

    from products
    group by category

),

sales_per_category as (

    select
        products.category,
        sum(order_items.line_revenue_gbp) as revenue_gbp,
        sum(order_items.quantity) as units,
        count(distinct order_items.order_id) as orders

    from order_items
    inner join products
        on order_items.product_key = products.product_key
    group by products.category

),

category_sales as (

    select
        products_per_category.category,
        products_per_category.category_label,
        coalesce(categories.display_order, 999) as display_order,
        products_per_category.products,
        coalesce(sales_per_category.revenue_gbp, 0) as revenue_gbp,
        coalesce(sales_per_category.units, 0) as units,
        coalesce(sales_per_category.orders, 0) as orders

    from products_per_category
    left join categories
        on products_per_category.category = categories.category
    left join sales_per_category
        on products_per_category.category = sales_per_category.category

),

ranked as (

    select
        *,
        rank() over (order by revenue_gbp desc) as revenue_rank,
        sum(revenue_gbp) over () as total_revenue_gbp

    from category_sales

),

final as (

    select
        category,
        category_label,
        cast(display_order as {{ dbt.type_bigint() }}) as display_order,
        cast(products as {{ dbt.type_bigint() }}) as products,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        cast(units as {{ dbt.type_bigint() }}) as units,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        {{ to_money(safe_divide('revenue_gbp', 'units')) }} as avg_selling_price_gbp,
        cast(revenue_rank as {{ dbt.type_bigint() }}) as revenue_rank,
        {{ to_measure('100.0 * ' ~ safe_divide('revenue_gbp', 'total_revenue_gbp')) }}
            as revenue_share_pct

    from ranked

)

select * from final
