{{ config(tags=['quality_gate', 'distribution'], severity='warn', store_failures=true,
          schema='audit') }}

{#-
    Quality gate: one row per measure percentile (P75, P95) outside its band. Bands come from
    var('quality_distribution') = {measure: {p75: [min, max], p95: [min, max]}}, which the
    pipeline passes from crm-warehouse.toml ([quality.distribution]). Measures: closed tickets'
    first response and resolution hours, revenue orders' value in GBP.
-#}
{%- set bands = var('quality_distribution', {}) %}

with

closed_tickets as (

    select
        first_response_hours,
        resolution_hours

    from {{ ref('fct_ticketing') }}
    where is_closed

),

revenue_orders as (

    select order_amount_gbp

    from {{ ref('fct_orders') }}
    where is_revenue_order

),

percentiles as (

    select
        'first_response_hours' as measure,
        {{ percentile('first_response_hours', 0.75) }} as p75,
        {{ percentile('first_response_hours', 0.95) }} as p95
    from closed_tickets

    union all

    select
        'resolution_hours' as measure,
        {{ percentile('resolution_hours', 0.75) }} as p75,
        {{ percentile('resolution_hours', 0.95) }} as p95
    from closed_tickets

    union all

    select
        'order_value_gbp' as measure,
        {{ percentile('order_amount_gbp', 0.75) }} as p75,
        {{ percentile('order_amount_gbp', 0.95) }} as p95
    from revenue_orders

),

bands as (

    {% for measure, band in bands.items() -%}
    {%- for name in ['p75', 'p95'] if band[name] %}
    select
        '{{ measure }}' as measure,
        '{{ name }}' as percentile_name,
        {{ band[name][0] }} as min_value,
        {{ band[name][1] }} as max_value
    union all
    {%- endfor %}
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as measure,
        cast(null as {{ dbt.type_string() }}) as percentile_name,
        0 as min_value,
        0 as max_value
    where 1 = 0

),

observed as (

    select
        bands.measure,
        bands.percentile_name,
        case bands.percentile_name
            when 'p75' then percentiles.p75
            else percentiles.p95
        end as observed_value,
        bands.min_value,
        bands.max_value

    from bands
    inner join percentiles
        on bands.measure = percentiles.measure

),

final as (

    select *
    from observed
    where
        observed_value is null
        or observed_value < min_value
        or observed_value > max_value

)

select * from final
