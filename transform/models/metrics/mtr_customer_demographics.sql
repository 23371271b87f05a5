with

customers as (
    {{ import_columns(ref('dim_customers'), [
        'gender', 'income_bracket', 'lifetime_revenue_gbp',
    ], where='is_crm_customer') }}
),

income_brackets as (
    {{ import_columns(ref('ref_income_brackets'), ['income_bracket', 'display_order']) }}
),

per_segment as (

    select
        gender,
        income_bracket,
        count(*) as customers,
        sum(lifetime_revenue_gbp) as revenue_gbp

    from customers
    group by gender, income_bracket

),

with_totals as (

    select
        per_segment.*,
        income_brackets.display_order as income_bracket_order,
        sum(per_segment.customers) over () as total_customers

    from per_segment
    left join income_brackets
        on per_segment.income_bracket = income_brackets.income_bracket

),

final as (

    select
        gender,
        income_bracket,
        cast(income_bracket_order as {{ dbt.type_bigint() }}) as income_bracket_order,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_measure('100.0 * ' ~ safe_divide('customers', 'total_customers')) }}
            as customer_share_pct,
        {{ to_money('revenue_gbp') }} as revenue_gbp

    from with_totals

)

select * from final
