{{ config(enabled=marketing_enabled()) }}

with

source as (

    select * from {{ source('marketing', 'marketing_ad_spend') }}

),

renamed as (

    select
        cast(campaign_id as {{ dbt.type_bigint() }}) as campaign_id,
        cast(spend_date as date) as spend_date,
        trim(channel) as channel,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        {{ to_money('spend') }} as spend_gbp,
        upper(trim(currency)) as currency_code,
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
            partition by campaign_id, spend_date
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

final as (

    select
        campaign_id,
        spend_date,
        channel,
        impressions,
        clicks,
        spend_gbp,
        currency_code,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from ranked
    where version_rank = 1

)

select * from final
