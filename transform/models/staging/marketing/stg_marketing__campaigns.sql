{{ config(enabled=marketing_enabled()) }}

with

source as (

    select * from {{ source('marketing', 'marketing_campaigns') }}

),

renamed as (

    select
        cast(campaign_id as {{ dbt.type_bigint() }}) as campaign_id,
        trim(name) as campaign_name,
        trim(channel) as channel,
        lower(trim(objective)) as objective,
        lower(trim(status)) as campaign_status,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        {{ to_money('daily_budget') }} as daily_budget_gbp,
        upper(trim(currency)) as currency_code,
        cast(created_at as {{ type_timestamp_utc() }}) as created_at,
        cast(updated_at as {{ type_timestamp_utc() }}) as updated_at,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        _dlt_load_id as load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

final as (

    select
        campaign_id,
        campaign_name,
        channel,
        objective,
        campaign_status,
        start_date,
        end_date,
        daily_budget_gbp,
        currency_code,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from ranked
    where version_rank = 1

)

select * from final
