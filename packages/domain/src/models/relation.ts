import type { NonAttribute } from "sequelize";

/**
 * Type associations through this alias, never the model class itself:
 * `@BelongsTo(() => Customer) customer?: Relation<Customer>`.
 *
 * With `emitDecoratorMetadata`, a field typed as a class makes tsc emit
 * `__metadata("design:type", Customer)`, which reads `Customer` when the module loads. Two models
 * that import each other then crash the built app (`Cannot access 'Customer' before
 * initialization`) while tsx/vitest pass. A type alias is serialised as `Object` instead.
 * It also marks the field as a non-attribute for `InferAttributes`.
 */
export type Relation<T> = NonAttribute<T>;
