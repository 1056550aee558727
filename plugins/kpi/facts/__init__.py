"""Facts: what each stage event tells KPIs, recorded in kpi's own tables and rebuilt from the audit log."""
