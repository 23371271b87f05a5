{#- Every raw customer row, parsed and checked; see _crm__base.yml. -#}
{{ staging_base(
    source('crm', 'crm_customers'),
    key='customer_id',
    columns=[
        ['customer_id', 'cast(customer_id as ' ~ dbt.type_bigint() ~ ')'],
        ['full_name', 'trim(full_name)'],
        ['email', 'lower(trim(email))'],
        ['age', 'cast(age as ' ~ dbt.type_bigint() ~ ')'],
        ['gender', 'trim(gender)'],
        ['location', 'trim(location)'],
        ['income_bracket', 'trim(income_bracket)'],
        ['signup_date', 'cast(signup_date as date)'],
        ['created_at', to_utc_timestamp('created_at', var('crm_timezone'))],
        ['updated_at', to_utc_timestamp('updated_at', var('crm_timezone'))],
    ],
    lookups=[['income_brackets', ref('ref_income_brackets'), 'income_bracket']],
    checks=[
        ['null_key', 'customer_id is null'],
        ['out_of_range', 'age < 0 or age > 150'],
        ['unknown_value', "gender not in ('Male', 'Female', 'Other')"],
        ['unknown_value', 'income_bracket not in (select income_bracket from income_brackets)'],
    ],
) }}
