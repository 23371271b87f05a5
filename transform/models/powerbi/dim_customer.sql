with

customers as (
    {{ import_columns(ref('dim_customers'), [
        'customer_key', 'gender', 'location', 'income_bracket', 'age_bin', 'signup_date',
        'first_order_date', 'lifetime_revenue_gbp', 'is_crm_customer',
    ]) }}
),

income_brackets as (
    {{ import_columns(ref('ref_income_brackets'), ['income_bracket', 'display_order']) }}
),

age_bins as (
    {{ import_columns(ref('ref_age_bins'), ['age_bin', 'display_order']) }}
),

final as (

    select
        customers.customer_key,
        customers.gender,
        customers.location,
        customers.income_bracket,
        coalesce(income_brackets.display_order, 99) as income_bracket_order,
        customers.age_bin,
        coalesce(age_bins.display_order, 99) as age_bin_order,
        customers.signup_date,
        customers.first_order_date,
        customers.lifetime_revenue_gbp,
        customers.is_crm_customer

    from customers
    left join income_brackets
        on customers.income_bracket = income_brackets.income_bracket
    left join age_bins
        on customers.age_bin = age_bins.age_bin

)

select * from final
