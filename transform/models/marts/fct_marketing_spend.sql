{{
    config(
        enabled=marketing_enabled(),
        partition_by=(
            {'field': 'spend_date', 'data_type': 'date', 'granularity': 'month'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['campaign_id'] if target.type == 'bigquery' else none),
    )
}}

with

spend as (
    {{ import_columns(ref('stg_marketing__ad_spend'), [
        'campaign_id', 'spend_date', 'channel', 'impressions', 'clicks', 'spend_gbp',
        'currency_code', 'updated_at',
    ]) }}
),

final as (

    select
        {{ integer_key(['campaign_id', 'spend_date']) }} as marketing_spend_key,
        {{ member_key('campaign_id') }} as campaign_key,
        cast(campaign_id as {{ dbt.type_bigint() }}) as campaign_id,
        spend_date,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(coalesce(impressions, 0) as {{ dbt.type_bigint() }}) as impressions,
        cast(coalesce(clicks, 0) as {{ dbt.type_bigint() }}) as clicks,
        {{ to_money('spend_gbp') }} as spend_gbp,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        updated_at

    from spend

)

select * from final
