{#- Every raw customer row, parsed and checked; see _crm__base.yml. -#}
with

source as (

    select * from {{ source('crm', 'crm_customers') }}

),

income_brackets as (

    select income_bracket from {{ ref('ref_income_brackets') }}

),

renamed as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        trim(full_name) as full_name,
        lower(trim(email)) as email,
        cast(age as {{ dbt.type_bigint() }}) as age,
        trim(gender) as gender,
        trim(location) as location,
        trim(income_bracket) as income_bracket,
        cast(signup_date as date) as signup_date,
        {{ to_utc_timestamp('created_at', var('crm_timezone')) }} as created_at,
        {{ to_utc_timestamp('updated_at', var('crm_timezone')) }} as updated_at,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        _dlt_load_id as load_id,
        {{ row_to_json('source') }} as raw_row

    from source

),

checked as (

    select
        *,
        {{ quarantine_reason([
            ['null_key', 'customer_id is null'],
            ['out_of_range', 'age < 0 or age > 150'],
            ['unknown_value', "gender not in ('Male', 'Female', 'Other')"],
            ['unknown_value',
             'income_bracket not in (select income_bracket from income_brackets)'],
        ]) }} as row_issue,
        {{ integer_key(['full_name', 'email', 'age', 'gender', 'location', 'income_bracket',
                        'signup_date', 'created_at']) }} as content_key,
        {{ integer_key(['updated_at', 'extracted_at', 'load_id']) }} as version_key

    from renamed

),

{{ version_ctes(
    'customer_id',
    'updated_at desc nulls last, extracted_at desc nulls last, load_id desc'
) }},

final as (

    select
        customer_id,
        full_name,
        email,
        age,
        gender,
        location,
        income_bracket,
        signup_date,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id,
        raw_row,
        quarantine_reason,
        version_rank,
        coalesce(version_rank = latest_valid_rank, false) as is_latest_valid,
        quarantine_reason is not null
            and (latest_valid_rank is null or version_rank < latest_valid_rank) as is_quarantined

    from versions

)

select * from final
