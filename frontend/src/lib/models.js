/** Each model lists the tasks it serves (/api/models): one digits model does digits, mixing and random. */
export const does = (task) => (model) => Array.isArray(model?.tasks) && model.tasks.includes(task)
