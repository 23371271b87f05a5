{{ config(tags=['critical']) }}

-- Every revenue metric table adds up to the same total as the revenue orders in fct_orders.
with

fact_total as (

    select coalesce(sum(order_revenue_gbp), 0) as revenue_gbp
    from {{ ref('fct_orders') }}
    where is_revenue_order

),

metric_totals as (

    select 'mtr_kpi_summary' as metric_table, sum(total_revenue_gbp) as revenue_gbp
    from {{ ref('mtr_kpi_summary') }}
    union all
    select 'mtr_revenue_by_month' as metric_table, sum(revenue_gbp) as revenue_gbp
    from {{ ref('mtr_revenue_by_month') }}
    union all
    select 'mtr_revenue_by_year' as metric_table, sum(revenue_gbp) as revenue_gbp
    from {{ ref('mtr_revenue_by_year') }}
    union all
    select 'mtr_product_performance' as metric_table, sum(revenue_gbp) as revenue_gbp
    from {{ ref('mtr_product_performance') }}
    union all
    select 'mtr_category_performance' as metric_table, sum(revenue_gbp) as revenue_gbp
    from {{ ref('mtr_category_performance') }}

),

mismatches as (

    select
        metric_totals.metric_table,
        metric_totals.revenue_gbp as metric_revenue_gbp,
        fact_total.revenue_gbp as fact_revenue_gbp

    from metric_totals
    cross join fact_total
    where abs(coalesce(metric_totals.revenue_gbp, 0) - fact_total.revenue_gbp) > 0.01

)

select * from mismatches
